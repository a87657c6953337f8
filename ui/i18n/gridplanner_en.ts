<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US" sourcelanguage="zh_CN">
<context>
    <name>gridplanner</name>
    <message>
        <source>MBTiles 文件</source>
        <translation>MBTiles file</translation>
    </message>
    <message>
        <source>URL 模板</source>
        <translation>URL template</translation>
    </message>
    <message>
        <source>上限</source>
        <translation>Maximum</translation>
    </message>
    <message>
        <source>下限</source>
        <translation>Minimum</translation>
    </message>
    <message>
        <source>不透明度</source>
        <translation>Opacity</translation>
    </message>
    <message>
        <source>专属类型</source>
        <translation>Institution</translation>
    </message>
    <message>
        <source>专属网格</source>
        <translation>Dedicated grid</translation>
    </message>
    <message>
        <source>专属网格（免考核）</source>
        <translation>Dedicated grid (exempt)</translation>
    </message>
    <message>
        <source>人口</source>
        <translation>Population</translation>
    </message>
    <message>
        <source>从自动备份恢复</source>
        <translation>Recovered from autosave</translation>
    </message>
    <message>
        <source>低于目标 15–40%</source>
        <translation>15–40% below target</translation>
    </message>
    <message>
        <source>低于目标 40% 以上</source>
        <translation>more than 40% below target</translation>
    </message>
    <message>
        <source>保存</source>
        <translation>Save</translation>
    </message>
    <message>
        <source>修改类型</source>
        <translation>Change kind</translation>
    </message>
    <message>
        <source>修改网格员折算</source>
        <translation>Change worker capacity</translation>
    </message>
    <message>
        <source>修改配比标准</source>
        <translation>Change sizing</translation>
    </message>
    <message>
        <source>偏差</source>
        <translation>Deviation</translation>
    </message>
    <message>
        <source>全图</source>
        <translation>Full extent</translation>
    </message>
    <message>
        <source>分辨率 (dpi)</source>
        <translation>Resolution (dpi)</translation>
    </message>
    <message>
        <source>发现该方案未保存的自动备份（程序上次可能异常退出）。是否恢复？</source>
        <translation>An unsaved autosave of this plan was found (the app may have crashed). Recover it?</translation>
    </message>
    <message>
        <source>另存为</source>
        <translation>Save as</translation>
    </message>
    <message>
        <source>另存为…</source>
        <translation>Save as…</translation>
    </message>
    <message>
        <source>名称</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>图例</source>
        <translation>Legend</translation>
    </message>
    <message>
        <source>图层</source>
        <translation>Layers</translation>
    </message>
    <message>
        <source>在线瓦片 (XYZ)</source>
        <translation>Online tiles (XYZ)</translation>
    </message>
    <message>
        <source>姓名</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>宽 (mm)</source>
        <translation>Width (mm)</translation>
    </message>
    <message>
        <source>密钥 (key)</source>
        <translation>Key</translation>
    </message>
    <message>
        <source>导出地图</source>
        <translation>Export map</translation>
    </message>
    <message>
        <source>导出地图…</source>
        <translation>Export map…</translation>
    </message>
    <message>
        <source>层级</source>
        <translation>Level</translation>
    </message>
    <message>
        <source>层级树</source>
        <translation>Hierarchy</translation>
    </message>
    <message>
        <source>属性</source>
        <translation>Properties</translation>
    </message>
    <message>
        <source>工具</source>
        <translation>Tools</translation>
    </message>
    <message>
        <source>工具栏</source>
        <translation>Toolbar</translation>
    </message>
    <message>
        <source>已从自动备份恢复，请保存</source>
        <translation>Recovered from autosave; please save</translation>
    </message>
    <message>
        <source>已保存</source>
        <translation>Saved</translation>
    </message>
    <message>
        <source>已导出</source>
        <translation>Exported</translation>
    </message>
    <message>
        <source>已自动备份</source>
        <translation>Autosaved</translation>
    </message>
    <message>
        <source>平移</source>
        <translation>Pan</translation>
    </message>
    <message>
        <source>应用</source>
        <translation>Apply</translation>
    </message>
    <message>
        <source>底图</source>
        <translation>Basemap</translation>
    </message>
    <message>
        <source>底图…</source>
        <translation>Basemap…</translation>
    </message>
    <message>
        <source>底图设置</source>
        <translation>Basemap settings</translation>
    </message>
    <message>
        <source>当前图层即地图点选的层级</source>
        <translation>Clicks on the map select features of the current layer</translation>
    </message>
    <message>
        <source>户</source>
        <translation>households</translation>
    </message>
    <message>
        <source>户/人</source>
        <translation>hh/worker</translation>
    </message>
    <message>
        <source>户/人偏差</source>
        <translation>households-per-worker deviation</translation>
    </message>
    <message>
        <source>户数</source>
        <translation>Households</translation>
    </message>
    <message>
        <source>打开…</source>
        <translation>Open…</translation>
    </message>
    <message>
        <source>打开方案</source>
        <translation>Open plan</translation>
    </message>
    <message>
        <source>折算</source>
        <translation>Capacity</translation>
    </message>
    <message>
        <source>拉框缩放</source>
        <translation>Zoom box</translation>
    </message>
    <message>
        <source>按层级</source>
        <translation>By level</translation>
    </message>
    <message>
        <source>按户/人偏差分级</source>
        <translation>Graduated by hh/worker deviation</translation>
    </message>
    <message>
        <source>按网格分类</source>
        <translation>categorical by grid</translation>
    </message>
    <message>
        <source>按网格分类着色</source>
        <translation>Categorical by grid</translation>
    </message>
    <message>
        <source>接近目标 ±15%</source>
        <translation>within ±15% of target</translation>
    </message>
    <message>
        <source>撤销</source>
        <translation>Undo</translation>
    </message>
    <message>
        <source>放大</source>
        <translation>Zoom in</translation>
    </message>
    <message>
        <source>文件</source>
        <translation>File</translation>
    </message>
    <message>
        <source>方案有未保存的修改。是否保存？</source>
        <translation>The plan has unsaved changes. Save them?</translation>
    </message>
    <message>
        <source>无底图</source>
        <translation>No basemap</translation>
    </message>
    <message>
        <source>无网格员</source>
        <translation>no worker</translation>
    </message>
    <message>
        <source>显示标注</source>
        <translation>Show labels</translation>
    </message>
    <message>
        <source>普通网格</source>
        <translation>Ordinary grid</translation>
    </message>
    <message>
        <source>最近打开</source>
        <translation>Recent files</translation>
    </message>
    <message>
        <source>未选择要素</source>
        <translation>Nothing selected</translation>
    </message>
    <message>
        <source>本范围单独设置</source>
        <translation>Own sizing for this scope</translation>
    </message>
    <message>
        <source>样式</source>
        <translation>Style</translation>
    </message>
    <message>
        <source>核查问题</source>
        <translation>Findings</translation>
    </message>
    <message>
        <source>楼栋</source>
        <translation>Buildings</translation>
    </message>
    <message>
        <source>比例尺</source>
        <translation>Scale</translation>
    </message>
    <message>
        <source>比例尺 1:</source>
        <translation>Scale 1:</translation>
    </message>
    <message>
        <source>河流</source>
        <translation>River</translation>
    </message>
    <message>
        <source>浏览…</source>
        <translation>Browse…</translation>
    </message>
    <message>
        <source>海岸线</source>
        <translation>Coast</translation>
    </message>
    <message>
        <source>目标</source>
        <translation>Target</translation>
    </message>
    <message>
        <source>离线 MBTiles 文件</source>
        <translation>Offline MBTiles file</translation>
    </message>
    <message>
        <source>类型</source>
        <translation>Kind</translation>
    </message>
    <message>
        <source>级别</source>
        <translation>Severity</translation>
    </message>
    <message>
        <source>纬度</source>
        <translation>Lat</translation>
    </message>
    <message>
        <source>经度</source>
        <translation>Lon</translation>
    </message>
    <message>
        <source>绘制失败</source>
        <translation>Rendering failed</translation>
    </message>
    <message>
        <source>统计</source>
        <translation>Tallies</translation>
    </message>
    <message>
        <source>编号</source>
        <translation>ID</translation>
    </message>
    <message>
        <source>编码</source>
        <translation>Code</translation>
    </message>
    <message>
        <source>编辑</source>
        <translation>Edit</translation>
    </message>
    <message>
        <source>缩小</source>
        <translation>Zoom out</translation>
    </message>
    <message>
        <source>缩放到选中</source>
        <translation>Zoom to selection</translation>
    </message>
    <message>
        <source>网格化管理规划工具</source>
        <translation>Grid planner</translation>
    </message>
    <message>
        <source>网格员</source>
        <translation>Workers</translation>
    </message>
    <message>
        <source>自动备份失败</source>
        <translation>Autosave failed</translation>
    </message>
    <message>
        <source>视图</source>
        <translation>View</translation>
    </message>
    <message>
        <source>角色</source>
        <translation>Role</translation>
    </message>
    <message>
        <source>设置</source>
        <translation>Settings</translation>
    </message>
    <message>
        <source>识别</source>
        <translation>Identify</translation>
    </message>
    <message>
        <source>语言 / Language</source>
        <translation>语言 / Language</translation>
    </message>
    <message>
        <source>说明</source>
        <translation>Message</translation>
    </message>
    <message>
        <source>退出</source>
        <translation>Quit</translation>
    </message>
    <message>
        <source>选择</source>
        <translation>Select</translation>
    </message>
    <message>
        <source>道路</source>
        <translation>Road</translation>
    </message>
    <message>
        <source>道路水系</source>
        <translation>Roads and water</translation>
    </message>
    <message>
        <source>配比标准（户/人）</source>
        <translation>Sizing (households per worker)</translation>
    </message>
    <message>
        <source>重做</source>
        <translation>Redo</translation>
    </message>
    <message>
        <source>重命名</source>
        <translation>Rename</translation>
    </message>
    <message>
        <source>错误</source>
        <translation>Error</translation>
    </message>
    <message>
        <source>需满足：下限 ≤ 目标 ≤ 上限</source>
        <translation>Needs minimum ≤ target ≤ maximum</translation>
    </message>
    <message>
        <source>高 (mm)</source>
        <translation>Height (mm)</translation>
    </message>
    <message>
        <source>高于目标 15–40%</source>
        <translation>15–40% above target</translation>
    </message>
    <message>
        <source>高于目标 40% 以上</source>
        <translation>more than 40% above target</translation>
    </message>
</context>
</TS>
